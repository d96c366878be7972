# a day-first date
# expect: 7:27 YYYY-MM-DD
function "a" {
  runtime_management {
    update_runtime_on   = "Manual"
    runtime_version_arn = "arn:aws:lambda:us-east-1::runtime:7b620fc2e66107a1046b140b9d320295811af3ad5d4c6a011fad1fa65127e9e6"
    pin_until           = "31/12/2099"
  }
}
