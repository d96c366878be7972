# an alias as qualifier
# expect: 4:15 aliases are not allowed
function "a" {
  qualifier = "live"
}
