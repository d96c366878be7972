# a space in the handler
# expect: 5:15 without whitespace
function "a" {
  configuration {
    handler = "app handler"
  }
}
