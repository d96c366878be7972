# each.name instead of each.key
# expect: 5:14 each has no attribute
function "a" {
  for_each = toset(["x"])
  name     = each.name
}
