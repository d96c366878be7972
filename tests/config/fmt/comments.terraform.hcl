/* A block comment
   over two lines */
function "orders" { # trailing on a block
  // a slash comment
  name      = "orders"  // name
  qualifier = "$LATEST" # qualifier
  runtime_management {
    update_runtime_on   = "Manual" # pinned
    runtime_version_arn = "arn:aws:lambda:us-east-1::runtime:7b620fc2e66107a1046b140b9d320295811af3ad5d4c6a011fad1fa65127e9e6"
    pin_until           = "2027-01-31"
    reason              = "v17 breaks pydantic"
  }


  configuration {
    environment { variables = { LOG_LEVEL = "info", MODE = "a" } }
    layers = [
      "arn:aws:lambda:us-east-1:123456789012:layer:deps:3", # deps
      "arn:aws:lambda:us-east-1:123456789012:layer:x:1"
    ]
  }
}
