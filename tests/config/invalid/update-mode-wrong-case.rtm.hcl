# update modes are case sensitive
# expect: 5:25 did you mean "Manual"
function "a" {
  runtime_management {
    update_runtime_on = "manual"
  }
}
