# a quoted number
# expect: 5:19 must be a whole number
function "a" {
  configuration {
    memory_size = "512"
  }
}
