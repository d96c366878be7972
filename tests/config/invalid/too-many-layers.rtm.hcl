# six layers
# expect: 5:14 at most 5 layers
function "a" {
  configuration {
    layers = ["arn:aws:lambda:us-east-1:123456789012:layer:l0:1", "arn:aws:lambda:us-east-1:123456789012:layer:l1:1", "arn:aws:lambda:us-east-1:123456789012:layer:l2:1", "arn:aws:lambda:us-east-1:123456789012:layer:l3:1", "arn:aws:lambda:us-east-1:123456789012:layer:l4:1", "arn:aws:lambda:us-east-1:123456789012:layer:l5:1"]
  }
}
