# a quoted number converts (HCL's rules); a word does not
# expect: 5:19 must be a whole number
function "a" {
  configuration {
    memory_size = "lots"
  }
}
