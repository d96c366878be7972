# a space in the name
# expect: 4:10 is not a function name
function "a" {
  name = "orders api"
}
