# a name starting with a digit
# expect: 6:19 not a valid environment variable name
function "a" {
  configuration {
    environment {
      variables = { "1BAD" = "x" }
    }
  }
}
