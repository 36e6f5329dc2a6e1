/** The trace page in Debian's Chromium (test/support/browser.ts has the tests). */
import { browserSuite, CHROMIUM } from '../support/browser.ts';

browserSuite(CHROMIUM);
