# a misspelt function
# expect: 4:10 did you mean "upper"
function "a" {
  name = uper("x")
}
