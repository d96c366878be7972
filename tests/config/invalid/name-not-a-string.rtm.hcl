# a list has no string form (a number would convert, as in Terraform)
# expect: 4:10 must be a string
function "a" {
  name = ["a"]
}
