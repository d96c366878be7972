# Manual needs the version to pin
# expect: 5:25 requires runtime_version_arn
function "a" {
  runtime_management {
    update_runtime_on = "Manual"
    pin_until         = "2099-01-01"
  }
}
