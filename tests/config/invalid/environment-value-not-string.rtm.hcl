# a list value (numbers and bools convert to strings, as in Terraform)
# expect: 6:19 must map names to strings
function "a" {
  configuration {
    environment {
      variables = { RETRIES = [3] }
    }
  }
}
