# no such runtime
# expect: 5:15 is not a Lambda runtime
function "a" {
  configuration {
    runtime = "python3.99"
  }
}
