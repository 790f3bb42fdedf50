"""Public participation (政民互动): the opinion box (意见箱) and consultations on major decisions (征求意见)."""
