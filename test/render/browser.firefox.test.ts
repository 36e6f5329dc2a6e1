/** The trace page in Debian's Firefox ESR over WebDriver BiDi (test/support/browser.ts has the tests). */
import { browserSuite, FIREFOX } from '../support/browser.ts';

browserSuite(FIREFOX);
