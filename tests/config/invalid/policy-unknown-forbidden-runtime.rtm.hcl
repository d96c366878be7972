# a misspelt runtime forbids nothing
# expect: 4:24 is not a Lambda runtime
policy {
  forbidden_runtimes = ["pyhton3.8"]
}
