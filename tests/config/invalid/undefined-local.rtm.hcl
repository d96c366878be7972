# no such local
# expect: 4:20 undefined local value local.names
function "a" {
  for_each = toset(local.names)
}
