# two runtime_management blocks
# expect: 7:3 duplicate
function "a" {
  runtime_management {
    update_runtime_on = "Auto"
  }
  runtime_management {
    update_runtime_on = "Auto"
  }
}
