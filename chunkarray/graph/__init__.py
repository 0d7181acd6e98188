"""The graph layer: keys, tasks, layers, Blockwise, Graph, optimizations, ordering."""
