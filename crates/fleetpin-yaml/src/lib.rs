//! YAML with byte spans for every node.
