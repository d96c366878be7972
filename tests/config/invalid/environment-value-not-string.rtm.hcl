# an unquoted number value
# expect: 6:19 must map names to strings
function "a" {
  configuration {
    environment {
      variables = { RETRIES = 3 }
    }
  }
}
