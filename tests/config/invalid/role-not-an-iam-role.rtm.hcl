# a user ARN as role
# expect: 5:12 is not an IAM role ARN
function "a" {
  configuration {
    role = "arn:aws:iam::123456789012:user/bob"
  }
}
