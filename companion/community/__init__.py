"""Community questions anyone in scope may ask and answer, and the safety around them."""
