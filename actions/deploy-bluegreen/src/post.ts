// The post step's entry point (action.yml `post:`, `post-if: cancelled()`).
import { runPost } from './cleanup.js';

void runPost();
