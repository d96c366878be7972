# a string that never closes
# expect: 4:3 syntax error
function "a" {
  name = "abc
}
