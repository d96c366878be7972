# each without for_each
# expect: 4:10 only available in a function block with for_each
function "a" {
  name = each.key
}
