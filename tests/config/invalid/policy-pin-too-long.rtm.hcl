# a pin far past max_pin_days
# expect: 11:27 max_pin_days
policy {
  max_pin_days = 14
}

function "a" {
  runtime_management {
    update_runtime_on   = "Manual"
    runtime_version_arn = "arn:aws:lambda:us-east-1::runtime:7b620fc2e66107a1046b140b9d320295811af3ad5d4c6a011fad1fa65127e9e6"
    pin_until           = "2099-01-01"
  }
}
