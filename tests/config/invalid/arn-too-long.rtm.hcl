# an ARN longer than 140
# expect: 4:10 140 characters
function "a" {
  name = "arn:aws:lambda:us-east-1:123456789012:function:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
}
