# count-style for_each
# expect: 4:14 needs a set or a map
function "a" {
  for_each = 3
}
