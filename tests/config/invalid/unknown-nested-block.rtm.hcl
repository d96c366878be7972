# a misspelt block
# expect: 4:3 did you mean "runtime_management"
function "a" {
  runtime_managment {
    update_runtime_on = "Auto"
  }
}
