# an ARN while Auto
# expect: 6:5 only allowed with
function "a" {
  runtime_management {
    update_runtime_on   = "Auto"
    runtime_version_arn = "arn:aws:lambda:us-east-1::runtime:7b620fc2e66107a1046b140b9d320295811af3ad5d4c6a011fad1fa65127e9e6"
  }
}
