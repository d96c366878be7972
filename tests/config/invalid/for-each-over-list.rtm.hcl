# a bare list
# expect: 4:14 wrap the list in toset
function "a" {
  for_each = ["x", "y"]
}
