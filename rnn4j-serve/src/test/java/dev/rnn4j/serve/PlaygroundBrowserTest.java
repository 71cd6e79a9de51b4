package dev.rnn4j.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The playground page in a real headless browser: Debian's {@code chromium} driven by Selenium through Debian's
 * {@code chromium-driver} (installed by {@code .ci/run}). Types a prompt, sees tokens arrive, presses Stop and sees the
 * stream end and the server free the row. Without chromium the test is skipped with a message, except under
 * {@code CI=true}, where it fails (as the PyTorch tests do).
 */
class PlaygroundBrowserTest {
  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  static final Path DRIVER = Path.of("/usr/bin/chromedriver");

  @Test
  void typePromptSeeTokensStreamThenStop() throws Exception {
    if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(DRIVER)) {
      String msg = "the browser test needs Debian's chromium and chromium-driver (" + CHROMIUM + ", " + DRIVER
          + "): sudo apt-get install -y chromium chromium-driver";
      if ("true".equals(System.getenv("CI"))) {
        fail(msg + " (CI=true: this test must run in CI)");
      }
      Assumptions.abort(msg);
    }
    try (Server s = Server.start(TestServers.model("gru", 512), TestServers.TOKENIZER, ModelInfo.inMemory(),
        ServeConfig.defaults().withPort(0).withLimits(100_000, 64, 4096))) {
      ChromeOptions o = new ChromeOptions();
      o.setBinary(CHROMIUM.toFile());
      o.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
          "--no-first-run", "--disable-extensions", "--disable-background-networking");
      ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(new File(DRIVER.toString()))
          .usingAnyFreePort().build();
      WebDriver d = new ChromeDriver(service, o);
      try {
        WebDriverWait wait = new WebDriverWait(d, Duration.ofSeconds(30));
        d.get(s.url() + "/");
        wait.until(x -> x.findElement(By.id("model")).getText().contains("GRU"));
        WebElement prompt = d.findElement(By.id("prompt"));
        prompt.clear();
        prompt.sendKeys("the cat ");
        new Select(d.findElement(By.id("strategy"))).selectByValue("greedy");
        WebElement max = d.findElement(By.id("max_new_tokens"));
        max.clear();
        max.sendKeys("100000");
        d.findElement(By.id("ignore_eos")).click(); // an untrained model may end at once otherwise
        d.findElement(By.id("generate")).click();
        try {
          wait.until(x -> Integer.parseInt(x.findElement(By.id("count")).getText()) >= 20);
        } catch (org.openqa.selenium.TimeoutException e) {
          fail("no tokens arrived: status '" + d.findElement(By.id("status")).getText() + "', error '"
              + d.findElement(By.id("error")).getText() + "', count " + d.findElement(By.id("count")).getText()
              + ", output '" + d.findElement(By.id("output")).getText() + "'");
        }
        assertEquals("the cat ", d.findElement(By.cssSelector("#output .prompt")).getText().replace('\u00a0', ' ')
            .stripTrailing() + " ");
        // tokens without text (the untrained model may pick a special one) are counted but add no character
        assertFalse(d.findElement(By.id("generated")).getAttribute("textContent").isEmpty(), page(d));
        assertTrue(Double.parseDouble(d.findElement(By.id("rate")).getText()) > 0, "tokens/s shown");
        assertTrue(d.findElement(By.id("status")).getText().startsWith("streaming"), page(d));
        d.findElement(By.id("stop")).click();
        try {
          wait.until(x -> x.findElement(By.id("status")).getText().equals("stopped"));
        } catch (org.openqa.selenium.TimeoutException e) {
          fail("Stop did not stop the stream: " + page(d));
        }
        int stoppedAt = Integer.parseInt(d.findElement(By.id("count")).getText());
        long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (s.activeRows() != 0) {
          assertTrue(System.nanoTime() < until, "the server never freed the stopped request's row");
          Thread.sleep(5);
        }
        Thread.sleep(200);
        assertEquals(stoppedAt, Integer.parseInt(d.findElement(By.id("count")).getText()), "no token after Stop");
        assertTrue(stoppedAt < 100_000);
        assertTrue(d.findElement(By.id("generate")).isEnabled());
      } finally {
        d.quit();
      }
    }
  }

  /** What the page shows, for a failure's message. */
  private static String page(WebDriver d) {
    return "status '" + d.findElement(By.id("status")).getText() + "', error '" + d.findElement(By.id("error")).getText()
        + "', count " + d.findElement(By.id("count")).getText() + ", generated (last 100 characters) '"
        + last(d.findElement(By.id("generated")).getAttribute("textContent"), 100) + "'";
  }

  private static String last(String s, int n) {
    return s.length() <= n ? s : s.substring(s.length() - n);
  }
}
