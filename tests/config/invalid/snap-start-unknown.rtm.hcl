# no such SnapStart mode
# expect: 6:18 is not a valid apply_on
function "a" {
  configuration {
    snap_start {
      apply_on = "Always"
    }
  }
}
