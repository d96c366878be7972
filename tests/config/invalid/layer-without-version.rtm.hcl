# a layer ARN without its version
# expect: 5:14 is not a layer version ARN
function "a" {
  configuration {
    layers = ["arn:aws:lambda:us-east-1:123456789012:layer:deps"]
  }
}
