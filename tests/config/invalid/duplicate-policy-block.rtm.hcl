# one policy per configuration
# expect: 6:1 duplicate policy block
policy {
}

policy {
}
