# ARN region vs the function ARN's region
# expect: 7:27 the function is in us-west-2
function "a" {
  name = "arn:aws:lambda:us-west-2:123456789012:function:orders"
  runtime_management {
    update_runtime_on   = "Manual"
    runtime_version_arn = "arn:aws:lambda:us-east-1::runtime:7b620fc2e66107a1046b140b9d320295811af3ad5d4c6a011fad1fa65127e9e6"
    pin_until           = "2099-01-01"
  }
}
