# an attribute without a value
# expect: 4:10 syntax error
function "a" {
  name = }
