# a misspelt attribute
# expect: 5:5 did you mean "memory_size"
function "a" {
  configuration {
    memroy_size = 512
  }
}
