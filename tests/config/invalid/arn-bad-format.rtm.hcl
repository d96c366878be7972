# not 64 hex digits
# expect: 6:27 is not a runtime version ARN
function "a" {
  runtime_management {
    update_runtime_on   = "Manual"
    runtime_version_arn = "arn:aws:lambda:us-east-1::runtime:python3.12"
    pin_until           = "2099-01-01"
  }
}
