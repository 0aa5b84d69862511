// The post step's entry point (action.yml `post:`, `post-if: always()`).
import { runPost } from './post-main.js';

void runPost();
