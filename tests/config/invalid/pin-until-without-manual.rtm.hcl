# pin_until while Auto
# expect: 6:5 pin_until is only allowed
function "a" {
  runtime_management {
    update_runtime_on = "Auto"
    pin_until         = "2099-01-01"
  }
}
