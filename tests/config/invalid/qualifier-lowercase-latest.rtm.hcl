# $latest in lower case
# expect: 4:15 aliases are not allowed
function "a" {
  qualifier = "$latest"
}
