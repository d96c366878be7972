# top comment
settings {
  region      = "us-east-1" # trailing
  parallelism = 8
}
function "a" {
  name      = "x"
  qualifier = "$LATEST"


  runtime_management { update_runtime_on = "Auto" }
  configuration {
    layers = ["a", "b", "c"]
    environment {
      variables = { A = "1", B = "2" }
    }
    memory_size = 1 + 2 * 3
    x = {
      a   = 1
      bbb = 2 # c
    }
    f = format("%s", var.x)
    l = [
      "a",
      "b",
    ]
    t   = each.value.memory
    c   = var.a ? 1 : -2
    idx = local.m["k"]
  }
}
function "b" {
}
