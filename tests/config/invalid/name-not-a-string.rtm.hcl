# name = 5 must not become "${5}"
# expect: 4:10 must be a string
function "a" {
  name = 5
}
