# runtime_management = {...} instead of a block
# expect: 4:3 is a block
function "a" {
  runtime_management = { update_runtime_on = "Auto" }
}
