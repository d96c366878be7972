# two addresses for one function
# expect: 8:10 both manage
function "a" {
  name = "orders"
}

function "b" {
  name = "orders"
}
