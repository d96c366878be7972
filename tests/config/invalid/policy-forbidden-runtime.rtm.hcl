# a forbidden runtime
# expect: 9:15 forbidden by the policy
policy {
  forbidden_runtimes = ["python3.8"]
}

function "a" {
  configuration {
    runtime = "python3.8"
  }
}
