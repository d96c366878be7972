# lookup without a default
# expect: 9:19 no key
locals {
  sizes = { a = 128 }
}

function "a" {
  configuration {
    memory_size = lookup(local.sizes, "b")
  }
}
