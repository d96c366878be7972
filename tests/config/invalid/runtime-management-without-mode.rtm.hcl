# a runtime_management block without a mode
# expect: 4:3 needs update_runtime_on
function "a" {
  runtime_management {
    reason = "x"
  }
}
