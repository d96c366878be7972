# a region without its number
# expect: 4:12 is not an AWS region
settings {
  region = "us-east"
}
