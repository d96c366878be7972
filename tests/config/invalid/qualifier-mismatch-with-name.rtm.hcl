# the name says 3, the qualifier 4
# expect: 5:15 does not match
function "a" {
  name      = "orders:3"
  qualifier = "4"
}
